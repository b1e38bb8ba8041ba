"""Reference RNN unit (MPRG DeepLearningLectureNotebook, 13_rnn).

模範解答の RNN ユニット（MPRG DeepLearningLectureNotebook 13_rnn）。

Modules: cells (RNNCell, LSTMCell, GRUCell), power (power-demand forecasting, 01_03_RNN),
calculator (seq2seq calculator, 04_Seq2Seq), attention (attention seq2seq, 05_Attention),
date (date-format conversion data, 05_Attention_alpha), convlstm (ConvLSTM, 07_ConvLSTM),
moving_mnist (moving-digits frames, 07_ConvLSTM). The package does not import them, so that
the grader can load each one on its own.
"""
