(format t "OK~%")
