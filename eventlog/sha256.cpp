// TODO implementation
