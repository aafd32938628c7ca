# GC.stress: a collection at every allocation, with threads, fibers, strings, hashes and
# exceptions live across calls. Any object the GC misses (a VALUE held only in a wasm
# local or on the operand stack) is freed while in use and the output goes wrong or the
# process crashes.
GC.stress = true
def build(n) = (1..n).map { |i| { id: i, name: "item-#{i}", tags: [i.to_s * 2, :sym] } }
threads = 3.times.map do |t|
  Thread.new do
    rows = build(150)
    s = rows.map { |r| "#{r[:name]}:#{r[:tags].join(",")}" }.join(";")
    begin
      raise ArgumentError, "thread #{t} #{s.size}"
    rescue => e
      [t, s.size, rows.sum { |r| r[:id] }, e.message]
    end
  end
end
fib = Fiber.new { x = build(40); Fiber.yield x.size; x.map { |r| r[:name] }.last }
res = threads.map(&:value)
# Integer years past 2**62: Time passes their Bignums straight into nested calls
# (`wadd(magnify(x), wmul(...))`); on the wasm operand stack, not in a local, they were
# invisible to the GC until the Ruby build flattened its code before spilling.
n = 2**64 + 400 - (2**64) % 400
years = [0, 100, 104].flat_map do |d|
  [Time.local(n + d, 2, 29), Time.utc(n + d, 2, 30), Time.local(n + d, 12, 31) + 86_400]
    .map { |t| [t.year - n, t.mon, t.day] }
end
# Time#+ and #- on such times: the sums pass through 64-bit wide values in time.c.
sums = [Time.at(2**70) + Rational(1, 3), Time.at(2**66) - 2**65, Time.at(-2**64) + 0.5]
  .map { |t| [t.to_r.floor - 2**64, t.subsec] }
GC.stress = false
p years, sums
p res
p [fib.resume, fib.resume]
p build(5).to_s.size
