# The zlib extension (libz built from Debian's zlib source for the sysroot).
require "zlib"
require "stringio"
data = (1..2000).map { |i| "line #{i} #{i * i}\n" }.join
z = Zlib::Deflate.deflate(data, Zlib::BEST_COMPRESSION)
puts "deflated #{data.bytesize} -> #{z.bytesize} bytes"
puts "round trip: #{Zlib::Inflate.inflate(z) == data}"
puts "crc32: #{Zlib.crc32(data)} adler32: #{Zlib.adler32(data)}"
io = StringIO.new
gz = Zlib::GzipWriter.new(io)
gz.mtime = 0
gz.write(data)
gz.finish
puts "gzip bytes: #{io.string.bytesize}"
puts "gunzip: #{Zlib::GzipReader.new(StringIO.new(io.string)).read == data}"
begin
  Zlib::Inflate.inflate("not zlib data")
rescue Zlib::Error => e
  puts "bad input: #{e.class}"
end
# Streaming with a block: zlib.c passes a void function to rb_protect as
# VALUE (*)(VALUE); wali-cc's wali-fnptr gives it a thunk (trapped before).
sizes = []
d = Zlib::Deflate.new
d.deflate(Random.new(1).bytes(200_000), Zlib::FINISH) { |chunk| sizes << chunk.bytesize }
puts "deflate chunks: #{sizes.size} total #{sizes.sum}"
out = +""
Zlib::Inflate.new.inflate(Zlib.deflate(data * 20)) { |chunk| out << chunk }
puts "inflate with a block: #{out == data * 20}"
