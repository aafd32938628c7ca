# Threaded TCP echo under load: 16 client threads x 500 round trips of 1 KiB.
require "socket"
server = TCPServer.new("127.0.0.1", 0)
port = server.addr[1]
Thread.new { loop { c = server.accept; Thread.new(c) { |s| while (d = s.readpartial(65536) rescue nil); s.write(d); end; s.close } } }
msg = "x" * 1024
t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
16.times.map { Thread.new { s = TCPSocket.new("127.0.0.1", port); 500.times { s.write(msg); got = +""; got << s.readpartial(65536) while got.size < msg.size }; s.close } }.each(&:join)
dt = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
$stderr.puts "round trips/s: #{(16 * 500 / dt).round}"
puts "ok"
