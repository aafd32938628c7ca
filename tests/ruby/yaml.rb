# psych (libyaml built from Debian's libyaml source for the sysroot): dumps, loads and
# round trips; the output is compared with native Ruby's line for line.
require "yaml"
require "date"
puts "libyaml #{Psych::LIBYAML_VERSION}"
Point = Struct.new(:x, :y)
data = {
  "name" => "wali-run", "version" => 3.3, "count" => 42, "big" => 2**70,
  "neg" => -7, "float" => 1.5e-10, "inf" => Float::INFINITY, "nil" => nil,
  "true" => true, "list" => [1, "two", :three, [4, [5]]], "empty" => {},
  "multi" => "line one\nline two\n", "quoted" => "yes", "colon" => "a: b",
  "unicode" => "héllo wörld ✓", "date" => Date.new(2024, 2, 29),
  "time" => Time.utc(2024, 1, 2, 3, 4, 5), "sym" => :symbol, "range" => (1..10),
  "binary" => "\xff\x00\xfe".b,
}
yaml = YAML.dump(data)
puts yaml
back = YAML.unsafe_load(yaml)
puts "round trip: #{back == data}"
puts "safe_load refuses a Symbol: #{begin; YAML.safe_load(":a"); rescue Psych::DisallowedClass => e; e.message; end}"
puts "safe_load permitted: #{YAML.safe_load("--- :a\n", permitted_classes: [Symbol]).inspect}"
# Aliases and anchors.
shared = [1, 2]
y2 = YAML.dump({ "a" => shared, "b" => shared })
puts y2
l2 = YAML.unsafe_load(y2)
puts "alias kept: #{l2["a"].equal?(l2["b"])}"
puts "aliases refused: #{begin; YAML.safe_load(y2); rescue Psych::AliasesNotEnabled => e; e.class; end}"
# Objects and structs.
p3 = YAML.unsafe_load(YAML.dump(Point.new(1, [2, 3])))
puts "struct: #{p3.inspect}"
# Streams, documents, the event parser and the tree.
stream = "--- 1\n--- [a, b]\n--- {k: v}\n"
puts "stream: #{YAML.load_stream(stream).inspect}"
doc = Psych.parse("a: [1, {b: c}]\n")
puts "tree: #{doc.to_ruby.inspect} root #{doc.root.class}"
class Counter < Psych::Handler
  attr_reader :events
  def initialize; @events = Hash.new(0); end
  %i[start_document end_document start_mapping end_mapping start_sequence end_sequence scalar alias].each do |m|
    define_method(m) { |*| @events[m] += 1 }
  end
end
c = Counter.new
Psych::Parser.new(c).parse(YAML.dump(data))
puts "events: #{c.events.sort.inspect}"
# Errors carry line and column.
begin
  YAML.load("a: [1, 2\nb: }")
rescue Psych::SyntaxError => e
  puts "syntax error: line #{e.line} column #{e.column}: #{e.problem}"
end
# A large document both ways.
big = (1..3000).map { |i| { "id" => i, "name" => "item #{i}", "tags" => %w[x y z].take(i % 4) } }
text = big.to_yaml
puts "big: #{text.bytesize} bytes, #{text.lines.size} lines, round trip #{YAML.load(text) == big}"
puts "json-ish flow: #{YAML.load('{"a": [1, 2.5, "s", null, true]}').inspect}"
