# openssl (OpenSSL 3 built from Debian's openssl source for the sysroot): a self-signed
# certificate made here, a TLS server and client in one process on threads, digests and
# ciphers with known answers, and entropy (getrandom). ARGV[0]: the port to listen on.
require "openssl"
require "socket"
require "securerandom"
port = Integer(ARGV[0] || 0)

# Known answers (the same on any OpenSSL).
puts "sha256: #{OpenSSL::Digest::SHA256.hexdigest("abc")}"
puts "sha512: #{OpenSSL::Digest.hexdigest("SHA512", "abc")[0, 32]}"
puts "hmac: #{OpenSSL::HMAC.hexdigest("SHA256", "key", "The quick brown fox jumps over the lazy dog")}"
c = OpenSSL::Cipher.new("aes-256-gcm").encrypt
c.key = "k" * 32; c.iv = "i" * 12; c.auth_data = "aad"
ct = c.update("attack at dawn") + c.final
tag = c.auth_tag
puts "aes-256-gcm: #{ct.unpack1("H*")} tag #{tag.unpack1("H*")}"
d = OpenSSL::Cipher.new("aes-256-gcm").decrypt
d.key = "k" * 32; d.iv = "i" * 12; d.auth_tag = tag; d.auth_data = "aad"
puts "decrypt: #{d.update(ct) + d.final}"
puts "pbkdf2: #{OpenSSL::KDF.pbkdf2_hmac("pw", salt: "salt", iterations: 1000, length: 16, hash: "SHA256").unpack1("H*")}"
puts "bn: #{(OpenSSL::BN.new(2)**521 - 1).prime?} #{OpenSSL::BN.new("123456789").mod_exp(65537, 1_000_000_007)}"

# Entropy: getrandom under wali-run.
r = [SecureRandom.random_bytes(32), OpenSSL::Random.random_bytes(32), Random.urandom(32)]
puts "random: #{r.map(&:bytesize).inspect} distinct #{r.uniq.size} nonzero #{r.none? { |s| s.count("\0") == 32 }}"
puts "uuid: #{SecureRandom.uuid.match?(/\A\h{8}-\h{4}-4\h{3}-[89ab]\h{3}-\h{12}\z/)}"

# A self-signed certificate for localhost and 127.0.0.1, made now.
def certificate(key, cn)
  cert = OpenSSL::X509::Certificate.new
  cert.version = 2
  cert.serial = 1
  cert.subject = cert.issuer = OpenSSL::X509::Name.parse("/CN=#{cn}")
  cert.public_key = key
  cert.not_before = Time.now - 60
  cert.not_after = Time.now + 3600
  ef = OpenSSL::X509::ExtensionFactory.new(cert, cert)
  cert.add_extension(ef.create_extension("basicConstraints", "CA:TRUE", true))
  cert.add_extension(ef.create_extension("subjectAltName", "DNS:localhost,IP:127.0.0.1"))
  cert.add_extension(ef.create_extension("subjectKeyIdentifier", "hash"))
  cert.sign(key, "SHA256")
  cert
end
ec = OpenSSL::PKey::EC.generate("prime256v1")
rsa = OpenSSL::PKey::RSA.new(2048)
ec_cert = certificate(ec, "localhost")
rsa_cert = certificate(rsa, "localhost")
puts "certs: #{[ec_cert, rsa_cert].map { |c| [c.subject.to_s, c.verify(c.public_key)] }.inspect}"
puts "rsa sign/verify: #{rsa.verify("SHA256", rsa.sign("SHA256", "msg"), "msg")} pem round trip #{OpenSSL::PKey.read(rsa.private_to_pem).private_to_der == rsa.private_to_der}"
puts "ecdsa sign/verify: #{ec.verify("SHA256", ec.sign("SHA256", "msg"), "msg")}"
$stdout.flush

def serve(tcp, ctx, clients)
  server = OpenSSL::SSL::SSLServer.new(tcp, ctx)
  Thread.new do
    clients.times.map do
      conn = server.accept
      Thread.new(conn) do |s|
        while (line = s.gets)
          s.write("echo #{line}")
        end
        s.close
      end
    end.each(&:join)
  end
end

def client(port, cas, ciphers = nil)
  ctx = OpenSSL::SSL::SSLContext.new
  ctx.cert_store = OpenSSL::X509::Store.new.tap { |s| cas.each { |ca| s.add_cert(ca) } }
  ctx.verify_mode = OpenSSL::SSL::VERIFY_PEER
  if ciphers # TLS 1.2 with this cipher suite (which picks the server's RSA or EC certificate)
    ctx.max_version = OpenSSL::SSL::TLS1_2_VERSION
    ctx.ciphers = ciphers
  end
  sock = TCPSocket.new("127.0.0.1", port)
  ssl = OpenSSL::SSL::SSLSocket.new(sock, ctx)
  ssl.hostname = "localhost"
  ssl.sync_close = true
  ssl.connect
  ssl.post_connection_check("localhost")
  ssl
end

tcp = TCPServer.new("127.0.0.1", port)
port = tcp.addr[1]
sctx = OpenSSL::SSL::SSLContext.new
sctx.add_certificate(ec_cert, ec)
sctx.add_certificate(rsa_cert, rsa)
n = 6
srv = serve(tcp, sctx, n)
results = n.times.map do |i|
  Thread.new do
    ssl = client(port, [ec_cert, rsa_cert], [%w[ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384][i]].compact.first)
    replies = 3.times.map { |k| ssl.puts("client #{i} message #{k}"); ssl.gets }
    info = [ssl.ssl_version, ssl.cipher[0], ssl.peer_cert.public_key.class.name.split("::").last, replies.all? { |l| l.start_with?("echo client #{i} ") }]
    ssl.close
    info
  end
end.map(&:value)
srv.join
results.each_with_index { |r, i| puts "client #{i}: #{r.inspect}" }

# A client that does not trust the certificate is refused.
t = Thread.new { s = OpenSSL::SSL::SSLServer.new(tcp, sctx); begin; s.accept; rescue OpenSSL::SSL::SSLError; :refused; end }
begin
  client(port, [certificate(OpenSSL::PKey::EC.generate("prime256v1"), "other")])
  puts "untrusted: connected (wrong)"
rescue OpenSSL::SSL::SSLError => e
  puts "untrusted: #{e.message[/certificate verify failed/]}"
end
puts "server side: #{t.value.inspect}"
