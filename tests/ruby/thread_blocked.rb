# Thread#kill and Thread#raise on threads blocked in accept and in read; the main thread
# then ends while other threads still block, and the process must exit at once.
require "socket"
server = TCPServer.new("127.0.0.1", 0)
r, _w = IO.pipe

acceptor = Thread.new { server.accept; :accepted }
reader = Thread.new do
  r.read(10)
rescue => e
  "reader rescued #{e.class}: #{e.message}"
end
sleep 0.1 until acceptor.status == "sleep" && reader.status == "sleep"
acceptor.kill
p [:killed_in_accept, acceptor.join(5).equal?(acceptor), acceptor.status, acceptor.value.inspect]
reader.raise(RuntimeError, "wake up")
p [:raised_in_read, reader.value]

sleeper = Thread.new { sleep }
blocked = Thread.new { IO.pipe[0].read }
acceptor2 = Thread.new { server.accept }
sleep 0.1 until [sleeper, blocked, acceptor2].all? { |t| t.status == "sleep" }
puts "main thread ends with 3 threads blocked"
