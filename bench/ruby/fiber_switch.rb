# The tarball's benchmark/vm_fiber_switch.yml as a plain script, 2M resumes instead of 20M.
fib = Fiber.new do
  loop { Fiber.yield }
end
2_000_000.times { fib.resume }
