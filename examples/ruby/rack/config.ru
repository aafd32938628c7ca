# A bare Rack app (no framework) for Puma under wali-run:
#   toolchain/ruby/app.sh -o build/app-ruby puma nio4r rack bcrypt
#   cd examples/ruby/rack
#   wali-run --allow-net=127.0.0.1:9292 ../../../build/app-ruby/ruby.wasm \
#     ../../../build/app-ruby/gems/puma/bin/puma -t 8:8 -b tcp://127.0.0.1:9292 config.ru
# tests/ruby_apps.rs requests every route below and checks each answer.
require "json"
require "rack"
# bcrypt's C extension alone: bcrypt.rb itself requires openssl, which the base ruby.wasm
# does not have yet.
require "bcrypt_ext"

# A body Puma writes as it is produced (chunked: no Content-Length).
class Countdown
  def initialize(n) = @n = n
  def each
    @n.downto(1) { |i| yield "#{i}...\n"; sleep 0.05 }
    yield "liftoff\n"
  end
end

text = ->(status, s) { [status, { "content-type" => "text/plain" }, [s]] }

run lambda { |env|
  req = Rack::Request.new(env)
  case [req.request_method, req.path_info]
  in ["GET", "/"]
    text.(200, "hello from rack on #{RUBY_VERSION}\n")
  in ["GET", "/json"]
    n = Integer(req.params.fetch("n", "3"))
    body = JSON.generate({ "n" => n, "squares" => (1..n).map { _1 * _1 }, "ok" => true })
    [200, { "content-type" => "application/json" }, [body]]
  in ["POST", "/echo"]
    data = req.body.read
    [200, { "content-type" => "application/octet-stream", "x-body-bytes" => data.bytesize.to_s },
     [data.reverse]]
  in ["GET", "/stream"]
    [200, { "content-type" => "text/plain" }, Countdown.new(Integer(req.params.fetch("from", "3")))]
  in ["GET", "/slow"]
    ms = Integer(req.params.fetch("ms", "1000"))
    sleep ms / 1000.0
    text.(200, "slept #{ms} ms\n")
  in ["GET", "/bcrypt"]
    # bcrypt_ext (crypt_blowfish), built into the module: a hash for a given salt.
    salt = req.params.fetch("salt", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.")
    text.(200, "#{BCrypt::Engine.__bc_crypt(req.params.fetch("pw", ""), salt)}\n")
  in ["GET", "/pid"]
    text.(200, "#{Process.pid}\n")
  else
    text.(404, "not found: #{req.request_method} #{req.path_info}\n")
  end
}
