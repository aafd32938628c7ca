# WEBrick answering "hello" on 127.0.0.1:PORT, for bench/ruby_http.sh.
require "webrick"
port = Integer(ARGV.fetch(0))
server = WEBrick::HTTPServer.new(BindAddress: "127.0.0.1", Port: port,
                                 Logger: WEBrick::Log.new(File::NULL), AccessLog: [])
server.mount_proc("/") { |_req, res| res["content-type"] = "text/plain"; res.body = "hello\n" }
trap("TERM") { server.shutdown }
server.start
