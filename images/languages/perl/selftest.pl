print "OK\n";
