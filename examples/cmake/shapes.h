/* The project's own static library (uses libm). */
double shapes_circle_area(double r);
double shapes_hypot(double a, double b);
