"""演習用のスタブ。学生が編集するのはこのパッケージの中のファイルだけです。

The exercise stubs: the only files a student edits. Run `make grade` to check them.
"""
