# A Sinatra app for Puma under wali-run:
#   toolchain/ruby/app.sh -o build/app-ruby puma nio4r rack bcrypt \
#     sinatra rack-protection mustermann ruby2_keywords tilt
#   cd examples/ruby/sinatra
#   wali-run --allow-net=127.0.0.1:4567 ../../../build/app-ruby/ruby.wasm \
#     ../../../build/app-ruby/gems/puma/bin/puma -t 8:8 -b tcp://127.0.0.1:4567 config.ru
# tests/ruby_apps.rs requests every route below and checks each answer.
require "json"
require "sinatra/base"

class App < Sinatra::Base
  get "/" do
    content_type :text
    "hello from sinatra #{Sinatra::VERSION}\n"
  end

  get "/hello/:name" do
    content_type :text
    "hello, #{params[:name]}\n"
  end

  get "/json" do
    content_type :json
    n = Integer(params.fetch("n", "3"))
    JSON.generate({ "n" => n, "cubes" => (1..n).map { _1**3 } })
  end

  post "/echo" do
    content_type "application/octet-stream"
    data = request.body.read
    headers "x-body-bytes" => data.bytesize.to_s
    data.reverse
  end

  get "/stream" do
    content_type :text
    stream do |out|
      Integer(params.fetch("from", "3")).downto(1) { |i| out << "#{i}...\n"; sleep 0.05 }
      out << "liftoff\n"
    end
  end

  get "/slow" do
    content_type :text
    ms = Integer(params.fetch("ms", "1000"))
    sleep ms / 1000.0
    "slept #{ms} ms\n"
  end

  not_found do
    content_type :text
    "not found: #{request.request_method} #{request.path_info}\n"
  end
end

run App
