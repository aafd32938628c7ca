Point = Struct.new(:x, :y)
sum = 0
2_000_000.times { |i| p = Point.new(i, [i, i.to_s]); sum += p.x + p.y[1].size }
puts sum
