# The tarball's benchmark/app_erb.yml as a plain script (its prelude; 5000 renders, not 15000).
require 'erb'

data = <<erb
<html>
  <head> <%= title %> </head>
  <body>
    <h1> <%= title %> </h1>
    <p>
      <%= content %>
    </p>
  </body>
</html>
erb

title = "hello world!"
content = "hello world!\n" * 10
5000.times { ERB.new(data).result(binding) }
