from ioresponse.cli import app

app(prog_name="ioresponse")
