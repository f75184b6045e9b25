; Stress of NASM with the C library (main, linked by gcc -static): 64 MiB from malloc written
; and summed, a recursion 100 000 calls deep, printf. Prints OK.
        global  main
        extern  malloc, free, printf
        section .data
ok:     db      "OK", 10, 0
fail:   db      "FAIL %ld %ld", 10, 0
        section .text
; depth(rdi): rdi == 0 ? 0 : depth(rdi - 1) + 1, with a 32-byte frame per call
depth:
        push    rbp
        mov     rbp, rsp
        sub     rsp, 32
        mov     [rsp], rdi
        test    rdi, rdi
        jz      .zero
        dec     rdi
        call    depth
        inc     rax
        leave
        ret
.zero:  xor     eax, eax
        leave
        ret
main:
        push    rbx
        push    r12
        push    r13
        mov     edi, 64 << 20
        call    malloc
        test    rax, rax
        jz      .fail
        mov     rbx, rax
        xor     ecx, ecx                ; p[i] = i & 7 for every byte
.fill:  mov     edx, ecx
        and     edx, 7
        mov     [rbx + rcx], dl
        inc     rcx
        cmp     rcx, 64 << 20
        jb      .fill
        xor     r12, r12                ; sum of the bytes: 28 per 8 bytes
        xor     ecx, ecx
.sum:   movzx   edx, byte [rbx + rcx]
        add     r12, rdx
        inc     rcx
        cmp     rcx, 64 << 20
        jb      .sum
        mov     rdi, rbx
        call    free
        mov     edi, 100000
        call    depth
        mov     r13, rax
        cmp     r12, 28 * (8 << 20)
        jne     .fail
        cmp     r13, 100000
        jne     .fail
        lea     rdi, [rel ok]
        xor     eax, eax
        call    printf
        xor     eax, eax
        jmp     .out
.fail:  lea     rdi, [rel fail]
        mov     rsi, r12
        mov     rdx, r13
        xor     eax, eax
        call    printf
        mov     eax, 1
.out:   pop     r13
        pop     r12
        pop     rbx
        ret
