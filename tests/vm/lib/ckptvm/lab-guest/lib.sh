# Shared by the lab guest's scripts: lab_log TEXT writes one line to the lab
# log (ttyS1) and to the kernel log, so the host sees it in both files.
lab_log() {
	echo "ckpt-lab: $*" >/dev/ttyS1
	echo "ckpt-lab: $*" >/dev/kmsg
}
