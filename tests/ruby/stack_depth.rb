# How deep recursion goes before SystemStackError, in the main thread and in a thread:
# one line "KIND WHERE DEPTH" each (tests/ruby.rs compares them with native Ruby's).
# Each probe rescues the error and the process goes on.
#   calls:  a lambda calling itself (bounded by the VM stack, the same size here)
#   blocks: a method calling itself from a block run by Array#each, so each level
#           recurses on the machine stack too, through the C calls where Ruby checks
#           the stack's length (rb_yield from C)
def calls
  d = 0
  f = ->(n) { d = n; f.(n + 1) }
  begin
    f.(0)
  rescue SystemStackError
  end
  d
end

def blocks
  $d = 0
  r = nil
  define_singleton_method(:r) { |n| [1].each { $d = n; r(n + 1) } }
  begin
    r(0)
  rescue SystemStackError
  end
  $d
end

%w[calls blocks].each do |name|
  puts "#{name} main #{send(name)}"
  puts "#{name} thread #{Thread.new { send(name) }.value}"
end
puts "after: #{[1, [2, [3]]].inspect} #{Marshal.load(Marshal.dump([1, 2])).inspect}"
