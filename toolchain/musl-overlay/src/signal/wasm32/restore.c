/* The runtime returns from signal handlers itself; musl still names a restorer. */
void __restore_rt(void)
{
}
