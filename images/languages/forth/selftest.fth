: main ." OK" cr ;
main
