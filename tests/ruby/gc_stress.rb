# GC.stress: a collection at every allocation, with threads, fibers, strings, hashes and
# exceptions live across calls. Any object the GC misses (a VALUE held only in a wasm
# local) is freed while in use and the output goes wrong or the process crashes.
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
GC.stress = false
p res
p [fib.resume, fib.resume]
p build(5).to_s.size
