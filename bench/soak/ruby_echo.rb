# A thread-per-connection echo server (the shape of examples/ruby/tcp_server.rb's server)
# for bench/soak.sh. Usage: ruby_echo.rb PORT
require "socket"
server = TCPServer.new("127.0.0.1", Integer(ARGV.fetch(0)))
$stdout.puts "ready"
$stdout.flush
loop do
  client = server.accept
  Thread.new(client) do |c|
    while (data = c.readpartial(4096) rescue nil)
      c.write(data)
    end
    c.close
  end
end
