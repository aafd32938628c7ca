# The tarball's benchmark/vm_fiber_switch.yml as a plain script, 200,000 resumes instead of 20M.
fib = Fiber.new do
  loop { Fiber.yield }
end
200_000.times { fib.resume }
