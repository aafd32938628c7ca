# The tarball's benchmark/array_sort_int.yml as a plain script: each size sorted
# 500 times, not 10000 (sizes 2 to 10000, shuffled Integers; Array#sort without a block).
srand(1)
[2, 10, 100, 1000, 10000].each do |size|
  ary = size.times.to_a.shuffle
  500.times { ary.sort }
end
