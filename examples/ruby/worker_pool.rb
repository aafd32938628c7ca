# A worker pool: a Queue of jobs, N threads, results gathered under a Mutex.
require "digest"

jobs = Queue.new
results = {}
lock = Mutex.new
workers = 4.times.map do |w|
  Thread.new do
    while (n = jobs.pop) != :stop
      digest = Digest::SHA256.hexdigest("job #{n}" * 1000)[0, 12]
      primes = (2..(2000 + n)).count { |k| (2..Math.sqrt(k)).none? { |d| (k % d).zero? } }
      lock.synchronize { results[n] = [digest, primes, w] }
    end
  end
end
40.times { |n| jobs << n }
workers.size.times { jobs << :stop }
workers.each(&:join)

puts "jobs done: #{results.size}"
puts "workers used: #{results.values.map(&:last).uniq.size > 1 ? "several" : "one"}"
results.keys.sort.first(5).each { |n| puts "job #{n}: #{results[n][0]} primes=#{results[n][1]}" }
puts "total primes counted: #{results.values.sum { |v| v[1] }}"
