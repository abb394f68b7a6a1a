/* Being written (issue 18). */
