# Shared by bench/ruby.sh and bench/ruby_profile.sh (sourced; $tmp and $here set).
# CPU set: user+sys CPU time of the process (GNU time, 10 ms steps), which a loaded
# machine disturbs far less than wall time; start-up and the echo: wall time (ms).
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
cpu() { /usr/bin/time -f '%U %S' -o "$tmp/t" "$@" </dev/null >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }; awk '{printf "%d\n", ($1 + $2) * 1000}' "$tmp/t"; }
ms() { local s e; s=$(date +%s%N); "$@" </dev/null >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The CPU set's rows (bench/ruby/set.txt with its placeholders filled): name|script|sed.
ruby_set() { grep -v '^#' "$here/bench/ruby/set.txt" | sed -e "s|{bm}|$1|g" -e "s|{here}|$here|g"; }
# scaled SRC SED OUT: the benchmark script scaled by its sed expression; a scaling that
# no longer matches the tarball's script is an error, not a silent full-size run.
scaled() {
  sed -e "$2" "$1" >"$3"
  if [ -n "$2" ] && cmp -s "$1" "$3"; then
    echo "bench: scaling '$2' no longer matches $1" >&2; exit 1
  fi
}
