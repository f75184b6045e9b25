--  Stress of Ada: a recursion 100 000 deep and a heap array of 10^7 integers. Prints OK.
with Ada.Text_IO; use Ada.Text_IO;
procedure Main is
   type Arr is array (Positive range <>) of Integer;
   type Arr_Access is access Arr;
   A : constant Arr_Access := new Arr (1 .. 10_000_000);
   Sum : Long_Long_Integer := 0;
   function Depth (N : Natural) return Natural is
   begin
      if N = 0 then
         return 0;
      end if;
      return Depth (N - 1) + 1;
   end Depth;
begin
   for I in A'Range loop
      A (I) := I mod 10;
   end loop;
   for I in A'Range loop
      Sum := Sum + Long_Long_Integer (A (I));
   end loop;
   if Sum = 45_000_000 and then Depth (100_000) = 100_000 then
      Put_Line ("OK");
   else
      Put_Line ("FAIL");
   end if;
end Main;
