; Self-test of NASM: _start and raw system calls, linked by ld alone (as Judge0). Prints OK.
        global  _start
        section .data
msg:    db      "OK", 10
        section .text
_start:
        mov     eax, 1                  ; write(1, msg, 3)
        mov     edi, 1
        lea     rsi, [rel msg]
        mov     edx, 3
        syscall
        mov     eax, 60                 ; exit(0)
        xor     edi, edi
        syscall
