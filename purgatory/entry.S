/* Purgatory entry, reached from the crashed kernel's relocate_kernel in 64-bit
 * mode with identity-mapped page tables and interrupts off. We load our own GDT
 * (the 64-bit boot protocol wants flat __BOOT_CS 0x10 / __BOOT_DS 0x18), switch
 * to our stack, let purgatory_main() check the digests and copy the backup
 * region, then enter the capture kernel with %rsi = boot_params. */
#include "purgatory_abi.h"

	.text
	.code64
	.globl purgatory_start
	.type purgatory_start, @function
purgatory_start:
	cli
	cld
	lgdt	gdt_desc(%rip)
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movq	purgatory_params+PURGATORY_OFF_STACK_TOP(%rip), %rsp
	/* Reload %cs through a far return. */
	pushq	$0x10
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
1:
	movabsq	$purgatory_main, %rax
	call	*%rax
	movq	purgatory_params+PURGATORY_OFF_BOOT_PARAMS(%rip), %rsi
	movq	purgatory_params+PURGATORY_OFF_ENTRY(%rip), %rax
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%edi, %edi
	jmpq	*%rax
	.size purgatory_start, . - purgatory_start

	.data
	.balign 16
gdt:
	.quad	0
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x10: 64-bit code, flat */
	.quad	0x00cf92000000ffff	/* 0x18: data, flat 4G */
gdt_end:
	.balign 16
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt			/* absolute: R_X86_64_64, applied by the loader */

	.section .note.GNU-stack, "", @progbits
