# Turns bench/cr-bench.sh's lines into the report bench/cr-bench prints:
#   SAMPLE TOOL SIZE RUN KEY VALUE   one measurement of one round
#   INFO key=value...                the guest's environment
# Medians per (tool, size, key), then ratios ckpt/criu and ckpt/dd, as a
# table and as one JSON line. Variables: accel, flavor (from the driver).

function median(list,    v, n, i, j, t)
{
	n = split(list, v, " ")
	if (n == 0)
		return ""
	for (i = 2; i <= n; i++) {
		t = v[i] + 0
		for (j = i - 1; j >= 1 && v[j] + 0 > t; j--)
			v[j + 1] = v[j]
		v[j + 1] = t
	}
	if (n % 2)
		return v[(n + 1) / 2] + 0
	return (v[n / 2] + v[n / 2 + 1]) / 2
}

function med(tool, size, key)
{
	return ((tool, size, key) in m) ? m[tool, size, key] : ""
}

function ratio(a, b)
{
	return (a == "" || b == "" || b + 0 == 0) ? "" : a / b
}

function fmt(x, spec)
{
	return x == "" ? "-" : sprintf(spec, x)
}

function json_num(x)
{
	if (x == "")
		return "null"
	return x == int(x) ? sprintf("%.0f", x) : sprintf("%.6g", x)
}

# The row "LABEL ckpt criu ckpt/criu".
function row(label, a, b, spec, unit)
{
	printf "  %-12s %14s %14s %10s\n", label, fmt(a, spec) unit, fmt(b, spec) unit,
		fmt(ratio(a, b), "%.2fx")
}

# Ratios a/b of one key within each round, where both tools ran: the
# rounds are interleaved, so on a busy host these pair measurements taken
# moments apart. Sets paired_lo and paired_hi; returns the median.
function paired(size, key,    r, list, x, n, lo, hi)
{
	list = ""
	n = 0
	for (r in runs_seen) {
		if (!(("ckpt", size, key, r) in per_run) || !(("criu", size, key, r) in per_run))
			continue
		x = ratio(per_run["ckpt", size, key, r], per_run["criu", size, key, r])
		if (x == "")
			continue
		list = list " " x
		if (n == 0 || x < lo)
			lo = x
		if (n == 0 || x > hi)
			hi = x
		n++
	}
	paired_lo = lo
	paired_hi = hi
	return median(list)
}

function paired_line(size, key, label,    x)
{
	x = paired(size, key)
	if (x != "")
		printf "  %s ckpt/criu per round: median %.2fx, range %.2fx-%.2fx\n", label, x,
		       paired_lo, paired_hi
}

# A variant module's medians, and the ratio to the build's ckpt.ko.
function variant_row(size, v,    t, c, w, r)
{
	t = "v:" v
	c = med(t, size, "checkpoint_s")
	if (c == "")
		return
	w = med(t, size, "write_s")
	r = med(t, size, "restart_s")
	printf "  variant %s: checkpoint %s s (%s of ckpt, %s of criu), module write %s s (%s), restart %s s (%s), restore %s s\n",
	       v, fmt(c, "%.3f"), fmt(ratio(c, med("ckpt", size, "checkpoint_s")), "%.2fx"),
	       fmt(ratio(c, med("criu", size, "checkpoint_s")), "%.2fx"), fmt(w, "%.3f"),
	       fmt(ratio(w, med("ckpt", size, "write_s")), "%.2fx"), fmt(r, "%.3f"),
	       fmt(ratio(r, med("ckpt", size, "restart_s")), "%.2fx"),
	       fmt(med(t, size, "restore_s"), "%.3f")
}

# Median image size in MiB.
function mib(tool, size,    x)
{
	x = med(tool, size, "image_bytes")
	return x == "" ? "" : x / 1048576
}

# Median of a CRIU stat in microseconds, in seconds.
function us(size, key,    x)
{
	x = med("criu", size, key)
	return x == "" ? "" : x / 1e6
}

function report(size, title,    c, r, dd_s, dd_b, tp_ckpt, tp_dd)
{
	if (!((size) in sizes))
		return
	printf "\n%s\n", title
	printf "  %-12s %14s %14s %10s\n", "", "ckpt", "criu", "ckpt/criu"
	row("checkpoint", med("ckpt", size, "checkpoint_s"), med("criu", size, "checkpoint_s"),
	    "%.3f", " s")
	row("restart", med("ckpt", size, "restart_s"), med("criu", size, "restart_s"), "%.3f", " s")
	row("image", mib("ckpt", size), mib("criu", size), "%.2f", " MiB")
	tp_ckpt = ratio(mib("ckpt", size), med("ckpt", size, "checkpoint_s"))
	row("throughput", tp_ckpt, ratio(mib("criu", size), med("criu", size, "checkpoint_s")),
	    "%.1f", " MiB/s")
	dd_s = med("dd", size, "write_s")
	dd_b = med("dd", size, "bytes")
	if (dd_s != "") {
		tp_dd = ratio(dd_b / 1048576, dd_s)
		if (tp_dd == "")
			tp_dd = 0
		printf "  dd of %.0f MiB to /tmp: %.3f s, %.1f MiB/s; ckpt checkpoint throughput / dd: %s\n",
		       dd_b / 1048576, dd_s, tp_dd, fmt(ratio(tp_ckpt, tp_dd), "%.2fx")
	}
	paired_line(size, "checkpoint_s", "checkpoint")
	paired_line(size, "restart_s", "restart")
	printf "  ckpt list (the tool starting and reading state): %s s\n",
	       fmt(med("ckpt", size, "list_s"), "%.3f")
	for (v in variants)
		variant_row(size, v)
	printf "  ckpt phases: freeze %s s, module write %s s, sync %s s; restart: tree %s s, restore %s s\n",
	       fmt(med("ckpt", size, "freeze_s"), "%.3f"), fmt(med("ckpt", size, "write_s"), "%.3f"),
	       fmt(med("ckpt", size, "sync_s"), "%.3f"), fmt(med("ckpt", size, "rebuild_s"), "%.3f"),
	       fmt(med("ckpt", size, "restore_s"), "%.3f")
	printf "  criu phases: freezing %s s, frozen %s s (memory dump %s s, memory write %s s); restore: forking %s s, restore %s s\n",
	       fmt(us(size, "freeze_us"), "%.3f"), fmt(us(size, "frozen_us"), "%.3f"),
	       fmt(us(size, "memdump_us"), "%.3f"), fmt(us(size, "memwrite_us"), "%.3f"),
	       fmt(us(size, "fork_us"), "%.3f"), fmt(us(size, "restore_us"), "%.3f")

	json = json sprintf("%s\"%s\":{", (json ~ /[}]$/ ? "," : ""), size)
	c = ""
	for (k in keys) {
		split(k, r, SUBSEP)
		if (r[2] != size)
			continue
		json = json sprintf("%s\"%s_%s\":%s", c, r[1], r[3], json_num(m[k]))
		c = ","
	}
	json = json sprintf("%s\"paired_checkpoint\":%s,\"paired_restart\":%s", c,
			    json_num(paired(size, "checkpoint_s")), json_num(paired(size, "restart_s")))
	c = ","
	json = json sprintf("%s\"ratio_checkpoint\":%s,\"ratio_restart\":%s,\"ratio_image\":%s",
			    c, json_num(ratio(med("ckpt", size, "checkpoint_s"), med("criu", size, "checkpoint_s"))),
			    json_num(ratio(med("ckpt", size, "restart_s"), med("criu", size, "restart_s"))),
			    json_num(ratio(med("ckpt", size, "image_bytes"), med("criu", size, "image_bytes"))))
	if (dd_s != "")
		json = json sprintf(",\"ratio_throughput_dd\":%s", json_num(ratio(tp_ckpt, tp_dd)))
	json = json "}"
}

$1 == "INFO" {
	for (i = 2; i <= NF; i++) {
		split($i, kv, "=")
		info[kv[1]] = substr($i, length(kv[1]) + 2)
	}
	next
}

$1 == "SAMPLE" && NF == 6 {
	per_run[$2, $3, $5, $4] = $6
	runs_seen[$4] = 1
	k = $2 SUBSEP $3 SUBSEP $5
	samples[k] = samples[k] " " $6
	count[k]++
	keys[k] = 1
	sizes[$3] = 1
	if ($2 ~ /^v:/)
		variants[substr($2, 3)] = 1
}

END {
	for (k in keys)
		m[k] = median(samples[k])
	json = ""
	printf "ckpt checkpoint/restart benchmark: %s kernel %s, %s, %s vCPUs, %d MiB guest, THP %s\n",
	       flavor, info["kernel"], accel == "" ? "accelerator unknown" : accel, info["cpus"],
	       info["mem_kib"] / 1024, info["thp"] == "" ? "?" : info["thp"]
	printf "medians of %s rounds per tool; ratios are ckpt / other\n", info["runs"]
	report("big", "big container: " info["mib"] " MiB of dirtied anonymous memory")
	report("small", "small container: the counter (no extra memory)")
	for (k in keys) {
		split(k, r, SUBSEP)
		if (count[k] < info["runs"] + 0)
			printf "note: %s %s %s has %d of %s samples\n", r[1], r[2], r[3], count[k],
			       info["runs"]
	}
	printf "\nJSON {\"flavor\":\"%s\",\"kernel\":\"%s\",\"accel\":\"%s\",\"cpus\":%s,\"runs\":%s,\"mib\":%s,%s}\n",
	       flavor, info["kernel"], accel, json_num(info["cpus"]), json_num(info["runs"]),
	       json_num(info["mib"]), json
}
