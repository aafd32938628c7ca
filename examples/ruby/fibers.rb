# Fibers and external enumerators (Enumerator#next runs on a fiber).
fib = Enumerator.new do |y|
  a, b = 0, 1
  loop { y << a; a, b = b, a + b }
end
puts "first fibonacci numbers: #{10.times.map { fib.next }.join(" ")}"

words = %w[alpha beta gamma].each
begin
  loop { puts "next: #{words.next}" }
ensure
  puts "enumerator finished: #{(words.next rescue $!.class)}"
end

ping = Fiber.new do |x|
  3.times { x = Fiber.yield("ping #{x}") }
  :done
end
puts ping.resume(1), ping.resume(2), ping.resume(3), ping.resume(4)
puts "fiber alive: #{ping.alive?}"

gen = (1..Float::INFINITY).lazy.map { |n| n * n }.select(&:even?)
puts "lazy squares: #{gen.first(5).inspect}"
threads = 3.times.map { |t| Thread.new { f = Fiber.new { Fiber.yield t * 10; t * 100 }; [f.resume, f.resume] } }
puts "fibers in threads: #{threads.map(&:value).inspect}"
