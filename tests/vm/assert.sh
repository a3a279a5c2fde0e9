# Host-side helpers for the VM tests (sourced by test_*.sh): read the
# guest's sections and compare fields with jq. Each check prints ok/FAIL;
# finish exits 1 when any failed.
fails=0
checks=0

# The body of section NAME from the guest output file $OUT.
sec() { awk -v n="$1" '$0=="@@@ "n{f=1;next} $0 ~ "^@@@ end "n" rc="{f=0} f' "$OUT"; }
# Its exit status, or "none" when the section is missing.
sec_rc() { sed -n "s/^@@@ end $1 rc=\([0-9]*\)\$/\1/p" "$OUT" | head -n1 | grep . || echo none; }

# expect SECTION JQ_FILTER EXPECTED: the filter's compact output on the
# section's JSON must equal EXPECTED.
expect() {
  local got
  checks=$((checks + 1))
  got=$(sec "$1" | jq -c "$2" 2>&1) || got="(not JSON: $(sec "$1" | head -c 300))"
  if [[ $got == "$3" ]]; then
    echo "ok   $1: $2 == $3"
  else
    echo "FAIL $1: $2: expected $3, got $got"
    fails=$((fails + 1))
  fi
}

# expect_text SECTION EXPECTED: the section's text, whole.
expect_text() {
  local got
  checks=$((checks + 1))
  got=$(sec "$1")
  if [[ $got == "$2" ]]; then
    echo "ok   $1 == $2"
  else
    echo "FAIL $1: expected \"$2\", got \"$got\""
    fails=$((fails + 1))
  fi
}

# expect_rc SECTION RC
expect_rc() {
  checks=$((checks + 1))
  local got; got=$(sec_rc "$1")
  if [[ $got == "$2" ]]; then echo "ok   $1 exit $2"; else echo "FAIL $1: exit $got, expected $2"; fails=$((fails + 1)); fi
}

# The kernel's answer (a read_as section: errno=0 / errno=EACCES) as the
# JSON errno cfgprobe uses: null or "EACCES".
kernel_errno() {
  case "$(sec "$1")" in
    errno=0) echo null ;;
    errno=EACCES) echo '"EACCES"' ;;
    *) echo "unexpected: $(sec "$1")" ;;
  esac
}

finish() {
  echo "$((checks - fails)) of $checks checks passed"
  if ((fails > 0)); then
    echo "--- guest output ---"
    cat "$OUT"
    exit 1
  fi
  exit 0
}
