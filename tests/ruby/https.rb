# net/http over HTTPS to a local TLS server (a raw SSLServer speaking HTTP/1.1 on a
# thread), the server's self-signed certificate, made now, as the client's CA: through
# ca_file, and through SSL_CERT_FILE (OpenSSL's default lookup). ARGV[0]: the port.
require "net/http"
require "openssl"
require "socket"
port = Integer(ARGV[0] || 0)

key = OpenSSL::PKey::EC.generate("prime256v1")
cert = OpenSSL::X509::Certificate.new
cert.version = 2
cert.serial = 7
cert.subject = cert.issuer = OpenSSL::X509::Name.parse("/CN=localhost")
cert.public_key = key
cert.not_before = Time.now - 60
cert.not_after = Time.now + 3600
ef = OpenSSL::X509::ExtensionFactory.new(cert, cert)
cert.add_extension(ef.create_extension("basicConstraints", "CA:TRUE", true))
cert.add_extension(ef.create_extension("subjectAltName", "DNS:localhost,IP:127.0.0.1"))
cert.sign(key, "SHA256")
File.write("ca.pem", cert.to_pem)

ctx = OpenSSL::SSL::SSLContext.new
ctx.cert = cert
ctx.key = key
tcp = TCPServer.new("127.0.0.1", port)
port = tcp.addr[1]
server = OpenSSL::SSL::SSLServer.new(tcp, ctx)
served = Queue.new
Thread.new do
  loop do
    conn = begin
      server.accept
    rescue OpenSSL::SSL::SSLError
      next
    end
    Thread.new(conn) do |s|
      while (line = s.gets)
        verb, path, = line.split
        headers = {}
        while (h = s.gets) && h != "\r\n"
          k, v = h.split(":", 2)
          headers[k.downcase] = v.strip
        end
        body = headers["content-length"] ? s.read(headers["content-length"].to_i) : ""
        reply = "#{verb} #{path} #{body.bytesize} bytes sha256 #{OpenSSL::Digest::SHA256.hexdigest(body)[0, 16]}\n"
        reply *= 1000 if path == "/big"
        s.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: #{reply.bytesize}\r\n\r\n#{reply}")
        served << path
      end
      s.close
    end
  end
end

http = Net::HTTP.new("localhost", port)
http.use_ssl = true
http.ca_file = "ca.pem"
http.verify_mode = OpenSSL::SSL::VERIFY_PEER
http.start do |h|
  r = h.get("/hello")
  puts "GET /hello: #{r.code} #{r.body}"
  r = h.post("/echo", "x" * 100_000, "Content-Type" => "application/octet-stream")
  puts "POST /echo: #{r.code} #{r.body}"
  r = h.get("/big")
  puts "GET /big: #{r.code} #{r.body.bytesize} bytes, #{r.body.lines.uniq.size} distinct line"
  puts "keep-alive, one connection: #{h.started?} #{h.instance_variable_get(:@socket).io.ssl_version}"
end

# No ca_file: OpenSSL's default lookup (a store's default paths, read when made),
# pointed at the certificate by SSL_CERT_FILE; then at an empty directory.
def default_paths_get(port, path)
  http = Net::HTTP.new("localhost", port)
  http.use_ssl = true
  http.cert_store = OpenSSL::X509::Store.new.tap(&:set_default_paths)
  http.start { |h| h.get(path) }
end
ENV["SSL_CERT_FILE"] = File.expand_path("ca.pem")
r = default_paths_get(port, "/default-paths")
puts "SSL_CERT_FILE: #{r.code} #{r.body}"
Dir.mkdir("empty") unless Dir.exist?("empty")
ENV["SSL_CERT_FILE"] = File.expand_path("empty/none.pem")
ENV["SSL_CERT_DIR"] = File.expand_path("empty")
begin
  default_paths_get(port, "/untrusted")
  puts "untrusted: connected (wrong)"
rescue OpenSSL::SSL::SSLError => e
  puts "untrusted: #{e.message[/certificate verify failed/]}"
end
puts "requests served: #{served.size}"
