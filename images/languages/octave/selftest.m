printf("OK\n");
