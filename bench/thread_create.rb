# Thread.new {}.join round trip: the median of N (default 300), in microseconds.
n = (ARGV[0] || 300).to_i
t = Array.new(n) do
  s = Process.clock_gettime(Process::CLOCK_MONOTONIC, :float_microsecond)
  Thread.new {}.join
  Process.clock_gettime(Process::CLOCK_MONOTONIC, :float_microsecond) - s
end
t.sort!
printf("%.1f\n", t[n / 2])
