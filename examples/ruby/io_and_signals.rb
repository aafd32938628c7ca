# IO.pipe, IO.select, Timeout, Signal.trap, clocks, Dir.glob and files.
require "timeout"
require "tmpdir"

r, w = IO.pipe
writer = Thread.new { sleep 0.05; w.write("through the pipe"); w.close }
ready, = IO.select([r], nil, nil, 5)
puts "select ready: #{ready == [r]}"
puts "pipe: #{r.read}"
writer.join
puts "select timeout: #{IO.select([IO.pipe[0]], nil, nil, 0.05).inspect}"

begin
  Timeout.timeout(0.1) { sleep 5 }
rescue Timeout::Error => e
  puts "timeout: #{e.class}"
end

got = []
old = Signal.trap("INT") { |sig| got << sig }
Process.kill("INT", Process.pid)
sleep 0.1 until got.any?
puts "trapped INT: #{got.inspect}, previous handler: #{old.inspect}"
Signal.trap("USR1") { got << :usr1 }
Process.kill("USR1", $$)
sleep 0.1 until got.size > 1
puts "trapped USR1: #{got.last}"

t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
sleep 0.02
dt = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
puts "monotonic clock advanced: #{dt >= 0.02}"
puts "realtime is recent: #{Process.clock_gettime(Process::CLOCK_REALTIME) > 1.7e9}"

Dir.mktmpdir do |dir|
  %w[a.txt b.txt c.rb sub/d.txt].each do |f|
    path = File.join(dir, f)
    Dir.mkdir(File.dirname(path)) unless Dir.exist?(File.dirname(path))
    File.write(path, "#{f}\n" * 3)
  end
  File.open(File.join(dir, "a.txt"), "a") { |f| f.puts "appended" }
  puts "glob: #{Dir.glob("**/*.txt", base: dir).sort.inspect}"
  puts "a.txt: #{File.readlines(File.join(dir, "a.txt")).map(&:chomp).inspect}"
  puts "sizes: #{Dir.children(dir).sort.map { |f| [f, File.size?(File.join(dir, f)) || 0] }.inspect}"
  File.rename(File.join(dir, "c.rb"), File.join(dir, "c2.rb"))
  puts "renamed: #{File.exist?(File.join(dir, "c2.rb"))} stat: #{File.stat(File.join(dir, "c2.rb")).size}"
end
