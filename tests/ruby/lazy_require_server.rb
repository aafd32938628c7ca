# A Rack-style server in miniature: a thread per request, and the request's handler
# loads a library on first use (`require 'net/http'` is what Rack apps and Sinatra do
# inside a request). With 512 KiB thread stacks the require overflowed the request
# thread's stack into other memory under wali-run (a 500 with a corrupted string, then
# a GC trap).
require "socket"
port = Integer(ARGV.fetch(0))
server = TCPServer.new("127.0.0.1", port)
handler = Thread.new do
  2.times do
    client = server.accept
    Thread.new(client) do |c|
      line = c.gets
      while (h = c.gets) && h != "\r\n"; end
      require "net/http"
      require "json"
      require "uri"
      body = JSON.generate(path: line.split[1], http: Net::HTTP::VERSION.class.name,
                           uri: URI("http://x/#{line.split[1]}").path)
      c.write "HTTP/1.1 200 OK\r\nContent-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}"
      c.close
    end.join
  end
end
2.times do |i|
  s = TCPSocket.new("127.0.0.1", port)
  s.write "GET /req#{i} HTTP/1.1\r\nHost: x\r\n\r\n"
  puts s.read.split("\r\n\r\n", 2).last
  s.close
end
handler.join
puts "done"
