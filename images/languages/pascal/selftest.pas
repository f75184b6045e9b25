program main; begin writeln('OK'); end.
