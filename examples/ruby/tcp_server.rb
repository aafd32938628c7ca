# A TCPServer that serves each client in its own Thread, and 50 client threads talking to
# it at once. Prints what a user checks: every client got its own answer back.
# Usage: tcp_server.rb [PORT] (default: any free port). Under wali-run's sandbox, grant
# the address: wali-run --allow-net=127.0.0.1:8080 ruby.wasm tcp_server.rb 8080
require "socket"

server = TCPServer.new("127.0.0.1", Integer(ARGV.fetch(0, "0")))
port = server.addr[1]
acceptor = Thread.new do
  loop do
    client = server.accept
    Thread.new(client) do |c|
      while (line = c.gets)
        c.puts "#{line.chomp.upcase} (#{line.bytesize} bytes)"
      end
      c.close
    end
  end
end

clients = 50.times.map do |i|
  Thread.new(i) do |n|
    s = TCPSocket.new("127.0.0.1", port)
    replies = 3.times.map { |k| s.puts("client #{n} message #{k}"); s.gets.chomp }
    s.close
    replies
  end
end
answers = clients.map(&:value)
ok = answers.each_with_index.all? do |r, n|
  r == 3.times.map { |k| "CLIENT #{n} MESSAGE #{k} (#{"client #{n} message #{k}\n".bytesize} bytes)" }
end
puts "served #{answers.size} concurrent clients, #{answers.flatten.size} replies, all correct: #{ok}"
puts answers[7].last
acceptor.kill
server.close
