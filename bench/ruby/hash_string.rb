h = {}
1_000_000.times { |i| h["key#{i % 5000}"] = (h["key#{i % 5000}"] || "") [0, 40] + i.to_s(36) }
s = h.values.join(",").split(",").map(&:upcase).sort.uniq.size
puts s, h.size
