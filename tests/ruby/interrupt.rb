# Ctrl-C: SIGINT raises Interrupt in the main thread, even while it sleeps.
begin
  puts "ready"
  $stdout.flush
  sleep 30
  puts "slept"
rescue Interrupt => e
  puts "interrupted: #{e.class}"
end
