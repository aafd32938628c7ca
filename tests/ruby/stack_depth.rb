# How deep each kind of recursion goes before SystemStackError, in the main thread and
# in a thread: one line "KIND WHERE DEPTH" each (tests/ruby_stack.rs compares them with
# native Ruby's). Each probe rescues the error and the process goes on.
def ruby_calls
  d = 0
  f = ->(n) { d = n; f.(n + 1) }
  begin
    f.(0)
  rescue SystemStackError
  end
  d
end

# Nested arrays [[[...]]] of growing depth until the operation raises; the depth
# reported is the first that raised (steps of 25%).
def nested(op)
  n = 16
  loop do
    a = []
    n.times { a = [a] }
    begin
      op.(a)
    rescue SystemStackError
      return n
    end
    n = (n * 1.25).ceil
    return n if n > 1_000_000
  end
end

probes = {
  "calls" => -> { ruby_calls },
  "inspect" => -> { nested(->(a) { a.inspect }) },
  "marshal" => -> { nested(->(a) { Marshal.dump(a) }) },
}
probes.each do |name, probe|
  puts "#{name} main #{probe.()}"
  puts "#{name} thread #{Thread.new { probe.() }.value}"
end
puts "after: #{[1, [2, [3]]].inspect} #{Marshal.load(Marshal.dump([1, 2])).inspect}"
