// placeholder, replaced by the roomd_process helper
