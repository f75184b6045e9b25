! Stress of Fortran: an allocatable array of 10^7 reals and a recursion 100 000 deep. Prints OK.
program main
  implicit none
  real(8), allocatable :: a(:)
  integer :: i
  allocate(a(10000000))
  do i = 1, size(a)
    a(i) = real(i, 8)
  end do
  if (abs(sum(a) - 5.0000005d13) < 1d3 .and. depth(100000) == 100000) then
    print "(A)", "OK"
  else
    print "(A)", "FAIL"
  end if
contains
  recursive integer function depth(n) result(r)
    integer, intent(in) :: n
    if (n == 0) then
      r = 0
    else
      r = depth(n - 1) + 1
    end if
  end function depth
end program main
