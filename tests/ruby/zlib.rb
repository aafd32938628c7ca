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
