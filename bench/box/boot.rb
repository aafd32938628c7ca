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

# Sinatra builds the app's middleware stack (Rack::Protection and the rest) at its first
# request; built here, at boot, it is in a --preinit box's snapshot. Native Ruby runs
# this file too: for it the work only moves from the first request to the boot.
Hello.prototype
