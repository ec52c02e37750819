#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Generate the command reference of docs/agent-protocol.md from
proto/agent-schema.json, between the GENERATED markers; the prose around
it is written by hand.

    gen-protocol-doc.py SCHEMA DOC          rewrite DOC's generated part
    gen-protocol-doc.py --check SCHEMA DOC  fail if DOC is not up to date
"""
import json
import sys

BEGIN = "<!-- BEGIN GENERATED from proto/agent-schema.json: edit the schema, then run guest-agent/agent/gen-protocol-doc.py -->"
END = "<!-- END GENERATED -->"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def arg_type(a):
    t = a["type"]
    if "values" in a:
        t += ": " + " \\| ".join("`%s`" % v for v in a["values"])
    if "min" in a or "max" in a:
        t += " (%s..%s)" % (a.get("min", ""), a.get("max", ""))
    return t


def members_table(out, members, with_required=False):
    if not members:
        out.append("None: `{}`.")
        out.append("")
        return
    if with_required:
        out.append("| Name | Type | Required | Meaning |")
        out.append("|---|---|---|---|")
        for a in members:
            out.append("| `%s` | %s | %s | %s |" % (a["name"], cell(arg_type(a)),
                                                  "yes" if a["required"] else "no",
                                                  cell(a["doc"])))
    else:
        out.append("| Name | Type | Meaning |")
        out.append("|---|---|---|")
        for m in members:
            out.append("| `%s` | %s | %s |" % (m["name"], cell(m["type"]), cell(m["doc"])))
    out.append("")


def generate(schema):
    out = [BEGIN, ""]
    out.append("## Commands")
    out.append("")
    out.append("Protocol version %d. Every command, in the order `info` lists them:" %
               schema["protocol"])
    out.append("")
    for c in schema["commands"]:
        out.append("- [`%s`](#%s)" % (c["name"], c["name"]))
    out.append("")
    for c in schema["commands"]:
        out.append("### %s" % c["name"])
        out.append("")
        out.append(c["doc"])
        out.append("")
        out.append("Arguments:")
        out.append("")
        members_table(out, c["arguments"], with_required=True)
        out.append("Returns:")
        out.append("")
        members_table(out, c["returns"])
        if "result" in c:
            out.append("The job's result (job-status, and the data connection's final line):")
            out.append("")
            members_table(out, c["result"])
    if "push" in schema:
        push = schema["push"]
        out.append("## Push request (guest to host)")
        out.append("")
        out.append(push["doc"])
        out.append("")
        out.append("Arguments of `{\"execute\": \"push\", \"arguments\": {...}}`:")
        out.append("")
        members_table(out, push["arguments"])
    out.append("## Types")
    out.append("")
    for t in schema["types"]:
        out.append("### %s" % t["name"])
        out.append("")
        out.append(t["doc"])
        out.append("")
        members_table(out, t["members"])
    out.append("## Error classes")
    out.append("")
    out.append("| Class | Meaning |")
    out.append("|---|---|")
    for e in schema["errors"]:
        out.append("| `%s` | %s |" % (e["class"], cell(e["doc"])))
    out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


def splice(doc, generated):
    if BEGIN not in doc or END not in doc:
        raise SystemExit("the document has no %s ... %s markers" % (BEGIN, END))
    head = doc[:doc.index(BEGIN)]
    tail = doc[doc.index(END) + len(END):].lstrip("\n")
    return head + generated + ("\n" + tail if tail else "")


def main(argv):
    check = "--check" in argv
    args = [a for a in argv[1:] if a != "--check"]
    if len(args) != 2:
        raise SystemExit(__doc__)
    with open(args[0]) as f:
        schema = json.load(f)
    with open(args[1]) as f:
        doc = f.read()
    want = splice(doc, generate(schema))
    if check:
        if want != doc:
            print("%s is not what %s generates: run guest-agent/agent/gen-protocol-doc.py %s %s"
                  % (args[1], args[0], args[0], args[1]))
            return 1
        print("%s matches %s" % (args[1], args[0]))
        return 0
    if want != doc:
        with open(args[1], "w") as f:
            f.write(want)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
