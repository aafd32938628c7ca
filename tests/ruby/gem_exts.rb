# The gems' C extensions built into the app's ruby.wasm (toolchain/ruby/app.sh), driven
# directly; tests/ruby_apps.rs compares this script's output with the native Ruby's.
require "puma/puma_http11"
require "bcrypt_ext"

# Built in: the feature is registered, no file behind it.
puts $LOADED_FEATURES.grep(/puma_http11|bcrypt_ext/).map { File.basename(_1) }.sort.inspect

# Puma's HTTP parser (Ragel, C) on good and bad requests.
[
  "GET /a/b?x=1&y=%20z HTTP/1.1\r\nHost: h\r\nX-Long: #{"v" * 300}\r\n\r\n",
  "POST /form HTTP/1.0\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
  "GET / HTTP/1.1\r\nHost: h\r\n",                      # incomplete
  "BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n",
  "GET / HTTP/1.1\r\nBad Header\r\n\r\n",               # malformed
  "GET /#{"p" * 20000} HTTP/1.1\r\n\r\n",                # URI too long
].each do |req|
  p = Puma::HttpParser.new
  env = {}
  begin
    n = p.execute(env, req.b, 0)
    puts "ok n=#{n} finished=#{p.finished?} error=#{p.error?} body=#{p.body.inspect}"
    env.sort.each { |k, v| puts "  #{k}=#{v.to_s[0, 60].inspect}" }
  rescue Puma::HttpParserError => e
    puts "error #{e.class}: #{e.message[0, 80]}"
  end
end

# crypt_blowfish: its own test vectors (ext/mri/wrapper.c) and generated salts.
[
  ["U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC."],
  ["U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC."],
  ["", "$2a$05$CCCCCCCCCCCCCCCCCCCCC."],
  ["\xff\xa3345".b, "$2x$05$/OK.fbVrR/bpIqNJ5ianF."],
  ["0123456789abcdefghijklmnopqrstuvwxyz" * 3, "$2b$04$abcdefghijklmnopqrstuu"],
].each { |pw, salt| puts BCrypt::Engine.__bc_crypt(pw, salt).inspect }
puts BCrypt::Engine.__bc_salt("$2a$", 6, "0123456789abcdef").inspect
