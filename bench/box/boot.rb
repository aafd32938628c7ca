# The hello app of bench/box.sh: loaded by the ENTRYPOINT's -r (so into a --preinit
# box's snapshot); the CMD starts the server on $PORT.
require "sinatra/base"
require "rack/handler/webrick"

class Hello < Sinatra::Base
  set :logging, false
  get "/" do
    "hello\n"
  end
end

def serve
  Rack::Handler::WEBrick.run(Hello, Host: "127.0.0.1", Port: Integer(ENV.fetch("PORT")),
                             Logger: WEBrick::Log.new($stderr, 0), AccessLog: [])
end
