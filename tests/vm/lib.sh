# Guest-side helpers (busybox sh), sourced by the guest scripts.
# Every result goes out as a section the host parses (tests/vm/assert.sh):
#   @@@ NAME
#   ...output...
#   @@@ end NAME rc=N
section() {  # section NAME CMD...
  name=$1; shift
  echo "@@@ $name"
  "$@" 2>&1
  rc=$?
  echo "@@@ end $name rc=$rc"
  return 0
}
# The kernel's own answer: a process under that label tries the read.
# Prints "errno=0" or "errno=EACCES" (busybox cat says "Permission denied").
read_as() {  # read_as LAUNCHER... -- PATH
  out=$("$@" 2>&1 >/dev/null)
  if [ -z "$out" ]; then echo "errno=0"
  else case "$out" in *"Permission denied"*) echo "errno=EACCES";; *) echo "errno=other: $out";; esac; fi
}
# Waits until /proc/PID/attr/current shows WANT (a substring); 5 s at most.
wait_label() {  # wait_label PID WANT
  i=0
  while [ $i -lt 50 ]; do
    case "$(cat /proc/$1/attr/current 2>/dev/null)" in *"$2"*) return 0;; esac
    sleep 0.1; i=$((i + 1))
  done
  return 1
}
