/* An executable, not a shared object: refused before it is loaded. */
int main(void) { return 0; }
